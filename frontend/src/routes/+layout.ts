// Every route is static: prerendered to HTML at build time (readable without
// JavaScript). Paths without a prerendered file are served the 200.html
// fallback by the backend and rendered on the client.
export const prerender = true;
export const trailingSlash = 'never';
