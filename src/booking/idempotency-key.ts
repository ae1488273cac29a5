// Idempotency keys are scoped by who sent them. A customer's key and a merchant's key live in
// separate namespaces, whatever characters a client puts in its Idempotency-Key header.
import type { WriteSource } from "./commands";

/**
 * The key as stored (bookings.idempotency_key and the Durable Object's replay table). The scope is
 * a fixed word before the first colon, so "public:admin:x" (a customer who sent "admin:x") can
 * never equal "admin:x".
 */
export function scopedIdempotencyKey(source: WriteSource, key: string): string {
	return `${source}:${key}`;
}
