// Structured log lines (one JSON object per line) and the one rule for errors in them: only fields that
// cannot carry a token, a password, a secret URL or a person's text. Error messages are never logged
// whole: a provider's body, a parser quoting an event or a URL with a feed token can end up in one.
import { ProviderError } from "./calendars/provider";
import { AppError } from "./errors";

export interface ErrorFields {
	name: string;
	provider?: string;
	/** HTTP status (0: no response, as for a timeout). */
	status?: number;
	/** The provider's reason, our problem code, or the D1 error class. */
	code?: string;
	retryable?: boolean;
	cause?: ErrorFields;
}

/** D1 prefixes its messages with a class such as D1_ERROR or D1_TYPE_ERROR; the rest may quote a value. */
const D1_CLASS = /^(D1_[A-Z_]+)\b/;

export function errorFields(error: unknown): ErrorFields {
	if (!(error instanceof Error)) return { name: typeof error };
	const fields: ErrorFields = { name: error.name };
	if (error instanceof ProviderError) {
		fields.provider = error.provider;
		fields.status = error.status;
		fields.code = error.code;
		fields.retryable = error.retryable;
	} else if (error instanceof AppError) {
		fields.status = error.status;
		fields.code = error.code;
	} else {
		const d1 = D1_CLASS.exec(error.message)?.[1];
		if (d1 !== undefined) fields.code = d1;
	}
	if (error.cause !== undefined) fields.cause = errorFields(error.cause);
	return fields;
}

export type LogLevel = "info" | "warn" | "error";

/** Warnings and errors go to console.error (Workers logs keep the level), the rest to console.log. */
export function logLine(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
	const line = JSON.stringify({ level, msg, ...fields });
	if (level === "info") console.log(line);
	else console.error(line);
}
