// Why a CalDAV, iCloud or ICS connection could not be made, as a 422 problem naming the form field to fix
// (the password, or the server/feed URL), from the provider error the first read of the account raised;
// and why a connected account's calendar list could not be read again.
import type { ProviderError } from "../../calendars/provider";
import { TokenRevokedError } from "../../calendars/provider";
import { AppError, UnprocessableError } from "../../errors";
import type { FieldProblem } from "../../errors";

/** 422: what was entered does not work with the calendar server; `errors` says which field and why. */
export class ConnectRefusedError extends AppError {
	readonly status = 422;
	readonly code = "connection-failed";
	readonly title = "The calendar could not be connected";

	constructor(readonly fields: FieldProblem[]) {
		super(fields.map((f) => f.message).join(" "));
	}

	override extensions(): Record<string, unknown> {
		return { errors: this.fields };
	}
}

const APP_PASSWORD_HINT =
	"iCloud needs an app-specific password, not your Apple ID password: make one at appleid.apple.com → Sign-In and Security → App-Specific Passwords (it stops working when the Apple ID password changes).";

/** The refusal for the person; provider errors carry only status and code, never what was entered. */
export function connectRefusal(error: ProviderError, provider: "caldav" | "icloud" | "ics"): ConnectRefusedError {
	const url = provider === "ics" ? "The feed" : "The server";
	if (error instanceof TokenRevokedError) {
		const message = provider === "icloud" ? `iCloud refused this Apple ID and password. ${APP_PASSWORD_HINT}` : "The server refused this user name and password.";
		return new ConnectRefusedError([{ field: "password", message }]);
	}
	if (error.status === 0) {
		return new ConnectRefusedError([{ field: "serverUrl", message: `${url} could not be reached (${error.code === "timeout" ? "no answer in time" : "no connection"}). Check the address.` }]);
	}
	if (error.retryable) {
		return new ConnectRefusedError([{ field: "serverUrl", message: `${url} is not answering properly right now (${error.status}). Try again in a few minutes.` }]);
	}
	const reasons: Record<string, string> = {
		redirectRefused: `${url} redirected to another site or to an insecure address, so the password was not sent there.`,
		noPrincipal: "No CalDAV account was found at this address.",
		noCalendarHome: "No calendars were found for this account at this address.",
		notICalendar: "This address does not serve an iCalendar (.ics) feed.",
		feedGone: "No feed was found at this address.",
		responseTooLarge: provider === "ics" ? "This feed is too large to read." : "The server sent an answer too large to read.",
	};
	return new ConnectRefusedError([{ field: "serverUrl", message: reasons[error.code] ?? `${url} refused the request (${error.status}).` }]);
}

/** 503: the calendar service did not answer usefully; nothing about the connection changed. */
export class ProviderUnavailableError extends AppError {
	readonly status = 503;
	readonly code = "provider-unavailable";
	readonly title = "The calendar service is not answering";
}

/**
 * Reading a connected account's calendar list failed. Refused credentials become a 422 saying how to
 * re-authorise (the caller has put the connection in Error); anything else is the provider's trouble.
 */
export function calendarListRefusal(error: ProviderError): AppError {
	if (error instanceof TokenRevokedError) {
		return new UnprocessableError("reauthorize", "The calendar service refused the saved sign-in, so the list could not be read. Re-authorize this calendar (its card says how).");
	}
	const why = error.status === 0 ? "could not be reached" : `answered ${error.status}`;
	return new ProviderUnavailableError(`The calendar service ${why}, so the calendar list was not refreshed. Your calendars and choices are unchanged; try again in a few minutes.`);
}
