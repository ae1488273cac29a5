// Typed application errors. Domain code throws these; web/problem.ts turns them into RFC 9457
// problem+json in one place, so no handler formats an error response by hand.

export interface FieldProblem {
	/** Dotted path of the offending field, e.g. "customer.email" or "query.from". */
	field: string;
	message: string;
}

export abstract class AppError extends Error {
	abstract readonly status: number;
	/** Short stable slug; becomes the problem type URI. */
	abstract readonly code: string;
	abstract readonly title: string;

	/** Extra members for the problem document (RFC 9457 §3.2 extensions). */
	extensions(): Record<string, unknown> {
		return {};
	}
}

/** 400: the request is malformed; `fields` names every offending field. */
export class ValidationError extends AppError {
	readonly status = 400;
	readonly code = "validation";
	readonly title = "The request is not valid";

	constructor(readonly fields: FieldProblem[]) {
		super(fields.map((f) => `${f.field}: ${f.message}`).join("; ") || "Invalid request");
	}

	override extensions(): Record<string, unknown> {
		return { errors: this.fields };
	}
}

export class UnauthorizedError extends AppError {
	readonly status = 401;
	readonly code = "unauthorized";
	readonly title = "Authentication required";
}

export class ForbiddenError extends AppError {
	readonly status = 403;
	readonly code = "forbidden";
	readonly title = "Not allowed";
}

/** 404. Also used for resources of another tenant, so their existence is not revealed. */
export class NotFoundError extends AppError {
	readonly status = 404;
	readonly code = "not-found";
	readonly title = "Not found";

	constructor(what = "Resource") {
		super(`${what} not found`);
	}
}

/** A bookable instant offered as an alternative to a conflicting request. */
export interface SlotSuggestion {
	start: string;
	end: string;
	staffId: string;
	localStart: string;
}

/** 409: the requested time is taken. */
export class ConflictError extends AppError {
	readonly status = 409;
	readonly code = "slot-taken";
	readonly title = "That time is no longer available";

	constructor(
		detail: string,
		readonly alternatives: SlotSuggestion[],
		/** For recurring requests: the occurrences that conflict. */
		readonly conflicts: Array<{ index: number; start: string }> = [],
	) {
		super(detail);
	}

	override extensions(): Record<string, unknown> {
		return this.conflicts.length > 0
			? { alternatives: this.alternatives, conflicts: this.conflicts }
			: { alternatives: this.alternatives };
	}
}

/** 422: well-formed but not acceptable (outside hours, horizon or notice; idempotency key reuse; a place a staff member cannot host). */
export class UnprocessableError extends AppError {
	readonly status = 422;
	readonly title = "The request cannot be processed";

	constructor(
		readonly code: string,
		detail: string,
		/** The fields that make it unacceptable, when it is about fields. */
		readonly fields: FieldProblem[] = [],
	) {
		super(detail);
	}

	override extensions(): Record<string, unknown> {
		return this.fields.length > 0 ? { errors: this.fields } : {};
	}
}

export class RateLimitedError extends AppError {
	readonly status = 429;
	readonly code = "rate-limited";
	readonly title = "Too many attempts";

	constructor(
		detail: string,
		readonly retryAfterSeconds: number,
	) {
		super(detail);
	}
}
