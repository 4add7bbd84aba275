// A page restored from the back/forward cache shows the values it had when the user
// left it; its autosaving forms would save those over newer ones. Reload it instead.
// (The server also marks user pages no-store, which keeps most browsers from
// restoring them at all.)
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    window.location.reload();
  }
});
