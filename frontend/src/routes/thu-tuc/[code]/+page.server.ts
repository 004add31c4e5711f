import { error } from '@sveltejs/kit';
import { catalogue } from '$lib/catalogue.server';
import type { EntryGenerator, PageServerLoad } from './$types';

// Every procedure of the catalogue file is prerendered (readable without JavaScript);
// the page refreshes itself from the live API when JavaScript runs.
export const entries: EntryGenerator = () => catalogue().map((p) => ({ code: p.code }));

export const load: PageServerLoad = ({ params }) => {
	const procedure = catalogue().find((p) => p.code === params.code);
	if (!procedure) error(404, 'Không tìm thấy thủ tục');
	return { procedure };
};

// Written as thu-tuc/<code>/index.html: procedure codes contain dots (1.004873), and the backend only
// looks for `<path>.html` when the last segment has no dot; a directory with index.html is served
// at `/thu-tuc/<code>/` (and `/thu-tuc/<code>` redirects there).
export const trailingSlash = 'always';
