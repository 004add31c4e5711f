/** The API's shapes the desk reads (from the generated schema, plus what the desk contract adds). */
import type { components } from '../api/schema';

type S = components['schemas'];

/** An official document of a dossier (Mẫu 01–06), as `GET /api/v1/dossiers/{id}` lists them. */
export interface DocumentLink {
	form: string;
	title: string;
	href: string;
}

export type DossierView = S['DossierView'] & { documents?: DocumentLink[] };
export type DossierSummary = S['DossierSummary'];
export type QueuePage = S['Page'];
export type QueueCount = S['QueueCount'];
export type HistoryEntry = S['HistoryEntry'];
export type StepView = S['StepView'];
export type Attachment = S['AttachmentView'];
export type Payment = S['PaymentView'];
export type Unit = S['UnitDto'];
export type Agency = S['AgencyDto'];
export type LookupAnswer = S['LookupAnswer'];
export type OutboxMessage = S['OutboxMessage'];
export type CalendarDay = S['CalendarDayDto'];
export type WorkingHours = S['WorkingHoursDto'];
export type UploadView = S['UploadView'];
export type ProcedureSummary = S['ProcedureSummary'];

/** `GET /api/v1/agencies/{id}/staff`: a member of staff with their roles. */
export interface StaffMember {
	id: string;
	username: string;
	full_name: string;
	title?: string | null;
	disabled?: boolean;
	roles: { unit_id: string; unit_name?: string; role: string }[];
}
