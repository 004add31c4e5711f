// The little of Node.js that build-time (prerender) code uses; the project has no @types/node.
declare module 'node:fs' {
	export function readFileSync(path: string, encoding: 'utf8'): string;
}
declare module 'node:path' {
	export function resolve(...parts: string[]): string;
}
declare const process: { env: Record<string, string | undefined>; cwd(): string };
