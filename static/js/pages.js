// A page restored from the back/forward cache shows the values it had when the user
// left it; its autosaving forms would save those over newer ones. Reload it instead.
// (The server also marks user pages no-store, which keeps most browsers from
// restoring them at all.)
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    window.location.reload();
  }
});

// A save refused with 409 (a save that lost the race to another window, or a closed
// case) answers with the reason as text. htmx swaps no error response, so without this
// the refusal would go unseen and the field would seem saved: show the reason in the
// form that sent it, with a way to reload the saved values.
document.addEventListener("htmx:responseError", function (event) {
  var xhr = event.detail.xhr;
  var plain = (xhr && xhr.getResponseHeader("Content-Type")) || "";
  // 409: a refused save; a plain-text 400: a refusal with its reason (kyc item delete).
  if (!xhr || !(xhr.status === 409 || (xhr.status === 400 && plain.indexOf("text/plain") === 0))) {
    return;
  }
  var source = event.detail.elt;
  var form = source.closest && source.closest("form");
  if (!form) {
    // A button outside a form (e.g. "Detect again"): say it next to the button, once.
    var previous = source.nextElementSibling;
    if (previous && previous.matches(".form-errors.refused")) {
      previous.remove();
    }
    var note = document.createElement("p");
    note.className = "form-errors refused";
    note.setAttribute("role", "alert");
    note.textContent = xhr.responseText;
    source.insertAdjacentElement("afterend", note);
    return;
  }
  var old = form.querySelector(":scope > .form-errors.refused");
  if (old) {
    old.remove();
  }
  var box = document.createElement("div");
  box.className = "form-errors refused";
  box.setAttribute("role", "alert");
  var reason = document.createElement("p");
  reason.textContent = xhr.responseText;
  box.appendChild(reason);
  var reload = document.createElement("button");
  reload.type = "button";
  reload.className = "primary";
  reload.textContent = document.body.dataset.reloadLabel || "Reload";
  reload.addEventListener("click", function () {
    window.location.reload();
  });
  box.appendChild(reload);
  form.insertBefore(box, form.firstChild);
  var state = form.querySelector(".save-state");
  if (state) {
    state.textContent = "";
  }
});

// An autosaving form is replaced by the server's answer when its save returns. If the
// user went on typing or ticking in it while the save was on its way, that answer
// would wipe what they just did. Keep the form as it is then: take from the answer
// only the row's new version and the save state; the change just made saves next,
// with that version.
document.addEventListener("input", markTypedDuringSave, true);
document.addEventListener("change", markTypedDuringSave, true);

function markTypedDuringSave(event) {
  var form = event.target && event.target.closest && event.target.closest("form");
  if (form && form.classList.contains("htmx-request")) {
    form.dataset.typedDuringSave = "1";
  }
}

document.addEventListener("htmx:beforeSwap", function (event) {
  // htmx 2 fires this on the target; the form that sent the save is requestConfig.elt.
  var form = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!form || form.tagName !== "FORM" || !form.dataset.typedDuringSave) {
    return;
  }
  delete form.dataset.typedDuringSave;
  if (event.detail.xhr.status !== 200) {
    return;
  }
  var answer = document.createElement("template");
  answer.innerHTML = event.detail.serverResponse;
  var fresh = answer.content.querySelector("form");
  // Keep the form only for a plain saved answer of this same form: an answer with
  // errors must show them, and a form with rows of a formset (beneficiaries) must take
  // the saved rows' ids, or its next save would add them again.
  if (
    !fresh ||
    fresh.getAttribute("hx-post") !== form.getAttribute("hx-post") ||
    fresh.querySelector(".form-errors, .has-error") ||
    form.querySelector("input[name$='-TOTAL_FORMS']")
  ) {
    return;
  }
  event.detail.shouldSwap = false;
  var version = fresh.querySelector("input[name=row_version]");
  var mine = form.querySelector("input[name=row_version]");
  if (version && mine) {
    mine.value = version.value;
  }
  var state = fresh.querySelector(".save-state");
  var myState = form.querySelector(".save-state");
  if (state && myState) {
    myState.innerHTML = state.innerHTML;
  }
});

// The Content-Security-Policy allows no inline script, so buttons say what they do
// with data attributes: data-reload reloads the page, data-print prints it,
// data-remove-closest="<selector>" removes the enclosing element (a new-item form's
// Cancel; a link keeps its href for when scripts are off), and a select with
// data-submit-on-change submits its form.
document.addEventListener("click", function (event) {
  var target = event.target.closest && event.target.closest("[data-reload], [data-print], [data-remove-closest]");
  if (!target) {
    return;
  }
  if (target.hasAttribute("data-reload")) {
    window.location.reload();
  } else if (target.hasAttribute("data-print")) {
    window.print();
  } else {
    var container = target.closest(target.dataset.removeClosest);
    if (container) {
      event.preventDefault();
      container.remove();
    }
  }
});

document.addEventListener("change", function (event) {
  if (event.target.matches && event.target.matches("select[data-submit-on-change]")) {
    event.target.form.submit();
  }
});
