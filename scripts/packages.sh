# Debian packages, sourced by setup.sh and test.sh so that the lists live in one place.
# Running: CJK fonts for pages and PDFs, Pango/HarfBuzz for WeasyPrint, gettext for
# compiling translations, Python venv support.
RUN_PACKAGES=(python3-venv fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 gettext)
# Testing only: throwaway PostgreSQL and Redis, Chromium for browser journeys,
# poppler-utils (pdftotext, pdffonts) to read the PDFs we render.
TEST_PACKAGES=(postgresql redis-server chromium poppler-utils)
