from django.db import connection


def test_it_runs_on_the_configured_database(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
