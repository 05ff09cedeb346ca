// JS imported by client-wasm/src/web/frames.rs (wasm-bindgen `module`): reads on the per-frame path that
// take one call from wasm here, one call per test through wasm-bindgen's intrinsics. Inlined into the
// glue by pkg-js/scripts/inline-snippets.mjs. The rules stay in Rust (core/decode.rs, web/frames.rs):
// this only looks.

/** `Kind` of `v` as a code: 0 absent (undefined), 1 null, 2 bool, 3 number, 4 string, 5 array, 6 object. */
const kindCode = (v) =>
  v === undefined ? 0 : typeof v == 'string' ? 4 : typeof v == 'number' ? 3 : v === null ? 1 : typeof v == 'boolean' ? 2 : Array.isArray(v) ? 5 : 6;

/** The code of the member `name` of `t` (0 when reading it throws: an app object's getter). */
const memberCode = (t, name) => {
  try {
    return kindCode(t[name]);
  } catch {
    return 0;
  }
};

/** 0 unless `t` is an object (not an array, not null); else 1 | the codes of `id`, `title`, `status` << 1, 4, 7. */
export function taskKinds(t) {
  if (typeof t != 'object' || t === null || Array.isArray(t)) return 0;
  return 1 | (memberCode(t, 'id') << 1) | (memberCode(t, 'title') << 4) | (memberCode(t, 'status') << 7);
}

/** A parsed frame's members at a glance: the code `envelope_code` documents (web/frames.rs). */
export function envelopeCode(f, lastKind, lastPlan) {
  if (typeof f != 'object' || f === null) return 0;
  const kind = f.type;
  const plan = f.planId;
  const seq = f.seq;
  return (
    1 |
    (typeof kind != 'string' ? 0 : kind === lastKind ? 2 : 4) |
    (plan == null ? 0 : typeof plan != 'string' ? 24 : plan === lastPlan ? 8 : 16) |
    (seq == null ? 0 : typeof seq == 'number' ? 32 : 64) |
    (f.data != null ? 128 : 0) |
    (f.timestamp != null ? 256 : 0)
  );
}
