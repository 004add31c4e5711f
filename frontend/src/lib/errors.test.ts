import { describe, expect, it } from 'vitest';
import {
	ERROR_MESSAGES,
	GENERIC_ERROR_MESSAGE,
	isApiErrorBody,
	messageFor,
	messageForError
} from './errors';

import spec from '../../../api-spec/openapi.json';

// Every code the backend documents (its OpenAPI `ErrorCode` enum), so a new code without a message fails here.
const CODES: string[] = spec.components.schemas.ErrorCode.enum;

describe('messageFor', () => {
	it.each(CODES)('has a specific Vietnamese message for %s', (code) => {
		const msg = messageFor(code);
		expect(msg).not.toBe(GENERIC_ERROR_MESSAGE);
		expect(msg.length).toBeGreaterThan(10);
		expect(msg.normalize('NFC')).toBe(msg);
	});

	it('covers exactly the codes the API documents', () => {
		expect(Object.keys(ERROR_MESSAGES).sort()).toEqual([...CODES].sort());
	});

	it('gives distinct messages', () => {
		expect(new Set(CODES.map(messageFor)).size).toBe(CODES.length);
	});

	it('falls back to a generic message for unknown codes', () => {
		expect(messageFor('something_new')).toBe(GENERIC_ERROR_MESSAGE);
		expect(messageFor('')).toBe(GENERIC_ERROR_MESSAGE);
		// Not fooled by Object.prototype keys.
		expect(messageFor('toString')).toBe(GENERIC_ERROR_MESSAGE);
		expect(messageFor('__proto__')).toBe(GENERIC_ERROR_MESSAGE);
	});

	it('uses the expected wording for a few codes', () => {
		expect(messageFor('unauthenticated')).toBe('Bạn cần đăng nhập để tiếp tục.');
		expect(messageFor('forbidden')).toBe('Bạn không có quyền thực hiện thao tác này.');
	});
});

describe('messageForError', () => {
	it('maps a backend error body by its code', () => {
		const body = {
			code: 'validation_failed',
			message: 'validation failed',
			details: [{ field: 'email', code: 'invalid', message: 'invalid email' }],
			request_id: '01J0000000000000000000000'
		};
		expect(isApiErrorBody(body)).toBe(true);
		expect(messageForError(body)).toBe(messageFor('validation_failed'));
	});

	it('falls back for anything else', () => {
		expect(messageForError(new TypeError('Failed to fetch'))).toBe(GENERIC_ERROR_MESSAGE);
		expect(messageForError(undefined)).toBe(GENERIC_ERROR_MESSAGE);
		expect(messageForError('oops')).toBe(GENERIC_ERROR_MESSAGE);
	});
});
