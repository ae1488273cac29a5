// The provider sandbox's control API (/_control) as the Worker's tests call it: accounts, events, faults and switches.
import { inject } from "vitest";

export const sandboxUrl = inject("sandboxUrl");

export type Control = (path: string, body?: unknown, method?: string) => Promise<unknown>;

/** The control API's raw answer, for a test that checks the control API itself. */
export function controlRequest(baseUrl: string, path: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<Response> {
	return fetch(`${baseUrl}/_control${path}`, {
		method,
		headers: body === undefined ? {} : { "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
}

/** The control API of the sandbox at `baseUrl`: its JSON answer (null for 204); any other failure throws. */
export function controlOf(baseUrl: string): Control {
	return async (path, body, method = body === undefined ? "GET" : "POST") => {
		const response = await controlRequest(baseUrl, path, body, method);
		if (!response.ok) throw new Error(`sandbox ${baseUrl} ${method} ${path} answered ${response.status}: ${await response.text()}`);
		return response.status === 204 ? null : response.json();
	};
}

/** The shared sandbox of the run. */
export const control: Control = controlOf(sandboxUrl);
