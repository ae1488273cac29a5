// Opaque, prefixed, unguessable identifiers ("bkg_...") so an id says what it names.
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";

export type IdPrefix = "mer" | "stf" | "svc" | "res" | "wh" | "ovr" | "off" | "usr" | "idn" | "cus" | "bkg" | "ser" | "con" | "cal" | "blk" | "lnk" | "tok";

/** 120 random bits: enough that ids can appear in URLs without being guessable. */
export function newId(prefix: IdPrefix): string {
	const bytes = new Uint8Array(15);
	crypto.getRandomValues(bytes);
	return `${prefix}_${encodeBase32LowerCaseNoPadding(bytes)}`;
}
