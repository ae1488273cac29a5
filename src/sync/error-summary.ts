// The one-line text of an error in the connection log: what a person may read, never what an error quotes.
import { ProviderError } from "../calendars/provider";
import { AppError } from "../errors";
import { CredentialKeyError } from "./credentials";

/**
 * An error for the connection log. Typed errors carry only a provider, status and code (see
 * calendars/provider.ts) or a message written for people; anything else may quote what it failed on
 * (a parser quoting an event's text, say), so only its class is kept.
 */
export function errorSummary(error: unknown): string {
	if (error instanceof ProviderError || error instanceof AppError || error instanceof CredentialKeyError) return `${error.name}: ${error.message}`.slice(0, 500);
	return error instanceof Error ? error.name : "unknown error";
}
