// Needs the signed-in citizen: rendered in the browser (200.html fallback), never prerendered.
export const prerender = false;
export const ssr = false;
