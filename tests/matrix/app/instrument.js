// Inlined as a classic <script> at the top of every matrix page, so it runs before any module: it records
// for the test what the page did, in every browser alike (read back with matrixProbe in run.mjs).
(function () {
  var m = (window.__matrix = { status: 'loading', errors: [], wasm: [] });
  // Each fetch of a .wasm, with its answer: did the package find its file beside its JavaScript?
  var fetch0 = window.fetch;
  window.fetch = function (input) {
    var url = String(input && input.url ? input.url : input);
    var p = fetch0.apply(this, arguments);
    if (/\.wasm([?#]|$)/.test(url)) {
      p.then(
        function (r) { m.wasm.push(r.status + ' ' + url); },
        function (e) { m.wasm.push('failed ' + url + ' ' + e); },
      );
    }
    return p;
  };
  window.addEventListener('error', function (e) {
    m.errors.push('error: ' + (e.error && e.error.stack ? e.error.stack : e.message));
  });
  window.addEventListener('unhandledrejection', function (e) {
    var r = e.reason;
    m.errors.push('unhandledrejection: ' + (r && r.stack ? r.stack : String(r)));
  });
})();
