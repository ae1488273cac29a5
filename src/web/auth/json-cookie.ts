// JSON values in cookies: base64url so the value needs no cookie escaping, parsed back through a schema.
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { z } from "zod";

export function encodeJsonCookie(value: unknown): string {
	return encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(value)));
}

/** The value, or null when the cookie is not what `schema` describes. */
export function decodeJsonCookie<Schema extends z.ZodType>(raw: string, schema: Schema): z.output<Schema> | null {
	try {
		const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(raw))));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}
