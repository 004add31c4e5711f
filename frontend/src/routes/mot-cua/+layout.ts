// The desk is rendered in the browser only (every page needs the signed-in member of staff); the
// static pages are prerendered as empty shells, the dynamic ones come from the 200.html fallback.
export const ssr = false;
