// Converts typed errors to plain outcomes inside the Durable Object and back outside it, because
// an Error subclass thrown over RPC arrives as a bare Error.
import { AppError, ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from "../errors";
import type { WriteFailure, WriteOutcome } from "./commands";

export async function captureOutcome<T>(work: () => Promise<T>): Promise<WriteOutcome<T>> {
	try {
		return { ok: true, value: await work() };
	} catch (error) {
		const failure = toFailure(error);
		if (failure === null) throw error;
		return { ok: false, failure };
	}
}

/** captureOutcome for synchronous work (the object's checks and writes never await). */
export function captureOutcomeSync<T>(work: () => T): WriteOutcome<T> {
	try {
		return { ok: true, value: work() };
	} catch (error) {
		const failure = toFailure(error);
		if (failure === null) throw error;
		return { ok: false, failure };
	}
}

function toFailure(error: unknown): WriteFailure | null {
	if (!(error instanceof AppError)) return null;
	if (error instanceof ValidationError) return { kind: "validation", fields: error.fields };
	if (error instanceof NotFoundError) return { kind: "not-found", what: error.message.replace(/ not found$/, "") };
	if (error instanceof ForbiddenError) return { kind: "forbidden", detail: error.message };
	if (error instanceof UnprocessableError) return { kind: "unprocessable", code: error.code, detail: error.message };
	if (error instanceof ConflictError)
		return { kind: "conflict", detail: error.message, alternatives: error.alternatives, conflicts: error.conflicts };
	return null;
}

/** Returns the value or throws the typed error the outcome describes. */
export function unwrapOutcome<T>(outcome: WriteOutcome<T>): T {
	if (outcome.ok) return outcome.value;
	const failure = outcome.failure;
	switch (failure.kind) {
		case "validation":
			throw new ValidationError(failure.fields);
		case "not-found":
			throw new NotFoundError(failure.what);
		case "forbidden":
			throw new ForbiddenError(failure.detail);
		case "unprocessable":
			throw new UnprocessableError(failure.code, failure.detail);
		case "conflict":
			throw new ConflictError(failure.detail, failure.alternatives, failure.conflicts);
	}
}
