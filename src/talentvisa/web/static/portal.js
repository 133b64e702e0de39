/* talentvisa portal: small enhancements; every page works without this file. */
"use strict";
(function () {
  // Move focus to an error summary so that keyboard and screen-reader users hear it first.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  // A link to a collapsed card (#p-us-h1b) opens it, in browsers that do not do so themselves.
  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id ? document.getElementById(id) : null;
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Times are shown in the viewer's zone (web/times.py): tell the server this browser's, once.
  // If this page (a GET, with no zone chosen on the account) showed times in another zone,
  // show it again in this one; a zone the server does not know leaves the page as it is, and
  // the cookie is then set already, so this cannot loop.
  try {
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    var cookie = "tv_tz=" + zone;
    if (zone && /^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone) &&
        document.cookie.split("; ").indexOf(cookie) < 0) {
      document.cookie = cookie + "; path=/; max-age=31536000; samesite=lax" +
        (window.location.protocol === "https:" ? "; secure" : "");
      if ("zoneFollowsBrowser" in document.body.dataset && document.body.dataset.zone !== zone &&
          document.querySelector("time[datetime]") &&
          document.cookie.split("; ").indexOf(cookie) >= 0) {
        window.location.reload();
      }
    }
  } catch (e) { /* no Intl: the agency's zone stays */ }

  // A form marked data-once sends once: a double click does not submit twice.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        window.setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });

  // Uploads show their progress; without JavaScript the form posts as usual.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable && bar) {
          bar.hidden = false;
          bar.max = e.total;
          bar.value = e.loaded;
          if (status) { status.textContent = Math.round((100 * e.loaded) / e.total) + "%"; }
        }
      });
      // Sent in full: the server now works on it (a form may say what it does meanwhile).
      xhr.upload.addEventListener("load", function () {
        if (status && form.dataset.uploadProcessing) {
          if (bar) { bar.removeAttribute("value"); }
          status.textContent = form.dataset.uploadProcessing;
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 400) {
          // Let the server show its error page, with the message beside the field.
          form.submit();
          return;
        }
        // The server answered like a normal form post: show the page it redirected to.
        window.location.assign(xhr.responseURL || window.location.href);
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  });
})();
