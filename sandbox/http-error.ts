// The one error type sandbox handlers throw; server.ts renders it verbatim so each provider keeps its own body shape.

export class SandboxHttpError extends Error {
	constructor(
		readonly status: number,
		readonly body: unknown,
		readonly headers: Record<string, string> = {},
	) {
		super(`sandbox error ${status}`);
	}
}

export function renderSandboxError(error: SandboxHttpError): Response {
	const headers = new Headers(error.headers);
	if (error.body === null) return new Response(null, { status: error.status, headers });
	if (typeof error.body === "string") {
		if (!headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
		return new Response(error.body, { status: error.status, headers });
	}
	headers.set("content-type", "application/json; charset=utf-8");
	return new Response(JSON.stringify(error.body), { status: error.status, headers });
}
