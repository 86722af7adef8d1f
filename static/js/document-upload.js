/* The creator's identity document upload (Verification page): a <progress> bar while the file
 * travels. The form is a plain multipart POST that works without JavaScript; with htmx (served
 * from the django-htmx package, no CDN) it posts in the background, htmx reports the upload's
 * progress as `htmx:xhr:progress`, and the server answers a refused upload (422) with the form
 * and its errors, which is swapped in place of the form (htmx does not swap 4xx answers by
 * default), and a saved one with a redirect to the page (HX-Redirect). */
(function () {
  "use strict";

  function isUploadForm(element) {
    return element && element.matches && element.matches("form[data-fd-upload]");
  }

  function parts(form) {
    return {
      bar: form.querySelector(".fd-upload-progress"),
      status: form.querySelector("[data-fd-upload-status]"),
      button: form.querySelector("button[type=submit]"),
    };
  }

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!isUploadForm(form)) return;
    var p = parts(form);
    p.bar.hidden = false;
    p.bar.value = 0;
    p.bar.dataset.max = "0";
    p.status.textContent = "Uploading…";
    p.button.disabled = true;
  });

  document.body.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.detail.elt || event.target;
    if (!isUploadForm(form) || !event.detail.lengthComputable || !event.detail.total) return;
    var p = parts(form);
    // Upload and download both report progress: the bar only moves forward.
    var percent = Math.floor((event.detail.loaded / event.detail.total) * 100);
    if (percent < Number(p.bar.dataset.max || 0)) return;
    p.bar.dataset.max = String(percent);
    p.bar.value = percent;
    p.status.textContent = percent < 100 ? "Uploading… " + percent + " %" : "Checking the file…";
  });

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (!isUploadForm(event.detail.requestConfig && event.detail.requestConfig.elt)) return;
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!isUploadForm(form) || !form.isConnected) return;
    var p = parts(form);
    p.button.disabled = false;
    var code = event.detail.xhr ? event.detail.xhr.status : 0;
    if (code === 0 || (code >= 400 && code !== 422)) {
      p.bar.hidden = true;
      p.status.textContent = "The upload failed (" + (code || "no connection") +
        "). Try again, or send the form without the progress bar by reloading the page.";
    }
  });
})();
