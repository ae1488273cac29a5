// Values vitest.config.ts provides to tests (read with `inject`).
export {};

declare module "vitest" {
	interface ProvidedContext {
		/** Base URL of the provider sandbox started for this test run. */
		sandboxUrl: string;
		/** Base URL of the Radicale (real CalDAV server) behind the sandbox's iCloud layer; add users with
		 * `POST ${sandboxUrl}/_control/caldav/users`, calendars with `POST ${sandboxUrl}/_control/caldav/calendars`. */
		caldavUrl: string;
		/** The fault suite's own sandbox (test/setup/fault-sandbox.ts): global faults set there reach no other file. */
		faultSandboxUrl: string;
		/** The Radicale behind that sandbox's iCloud layer. */
		faultCaldavUrl: string;
	}
}
