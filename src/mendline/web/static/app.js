/* Mendline's only script: CSRF header for HTMX requests, and drag-and-drop upload.
   Everything works without it (plain forms); it only makes things smoother. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (e) {
    if (meta) { e.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file");
  var shown = document.getElementById("dropped");
  if (!zone || !input) { return; }
  function show() {
    if (shown) { shown.textContent = input.files.length ? "Chosen: " + input.files[0].name : ""; }
  }
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
  });
  input.addEventListener("change", show);
})();
