// Recognises constraint failures from SQLite (D1, and the merchant object's storage; drizzle wraps
// them, so the whole cause chain is searched).
function messages(error: unknown): string {
	const parts: string[] = [];
	let current: unknown = error;
	for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
		if (current instanceof Error) {
			parts.push(current.message);
			current = current.cause;
		} else {
			parts.push(String(current));
			break;
		}
	}
	return parts.join(" | ");
}

/** Raised by the bookings_no_overlap_* triggers (src/booking/schedule-schema.ts). */
export function isOverlapViolation(error: unknown): boolean {
	return messages(error).includes("booking_overlap");
}

export function isUniqueViolation(error: unknown): boolean {
	return messages(error).includes("UNIQUE constraint failed");
}

export function isForeignKeyViolation(error: unknown): boolean {
	return messages(error).includes("FOREIGN KEY constraint failed");
}
