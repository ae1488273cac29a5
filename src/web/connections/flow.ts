// The state of an OAuth connect (a calendar, or Zoom) kept across the provider round trip, in a signed HttpOnly cookie.
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { z } from "zod";

/** Hono adds the prefix: `__Host-slotline_connect`. */
export const CONNECT_COOKIE = "slotline_connect";
export const CONNECT_TTL_SECONDS = 10 * 60;

const connectFlowSchema = z.object({
	state: z.string().min(1),
	codeVerifier: z.string().min(43),
	provider: z.enum(["google", "microsoft", "zoom"]),
	merchantId: z.string(),
	staffId: z.string().nullable(),
	userId: z.string(),
});
export type ConnectFlow = z.infer<typeof connectFlowSchema>;

export function encodeConnectFlow(flow: ConnectFlow): string {
	return encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(flow)));
}

export function decodeConnectFlow(value: string): ConnectFlow | null {
	try {
		const parsed = connectFlowSchema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(value))));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}
