import { catalogue } from '$lib/catalogue.server';
import { summarise } from '$lib/citizen/procedure';
import type { PageServerLoad } from './$types';

// Prerendered from the catalogue file, so the list reads without JavaScript.
export const load: PageServerLoad = () => ({ procedures: catalogue().map(summarise) });
