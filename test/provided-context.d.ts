// Values vitest.config.ts provides to tests (read with `inject`).
export {};

declare module "vitest" {
	interface ProvidedContext {
		/** Base URL of the provider sandbox started for this test run. */
		sandboxUrl: string;
	}
}
