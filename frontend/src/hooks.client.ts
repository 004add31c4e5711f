import type { HandleClientError } from '@sveltejs/kit';

// An unknown path rendered through the 200.html fallback is an ordinary
// "not found", not a bug: show the error page without logging to the console.
// Anything else is still logged for developers.
export const handleError: HandleClientError = ({ error, status, message }) => {
	if (status !== 404) console.error(error);
	return { message };
};
