// What a request to an OAuth endpoint is about (account and client), so faults scoped to one test's account or
// client reach only that test's authorize, token, userinfo and revoke calls.
import type { Context } from "hono";
import type { RequestSubject, SubjectOf } from "../faults";
import type { AuthorizationServer } from "./authorization-server";

function basicClientId(authorization: string | undefined): string | undefined {
	const encoded = /^Basic\s+(.+)$/i.exec(authorization ?? "")?.[1];
	if (encoded === undefined) return undefined;
	const decoded = Buffer.from(encoded, "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	return colon <= 0 ? undefined : decodeURIComponent(decoded.slice(0, colon));
}

async function formOf(c: Context): Promise<URLSearchParams> {
	if (c.req.method !== "POST" || !(c.req.header("content-type") ?? "").includes("application/x-www-form-urlencoded")) return new URLSearchParams();
	// Hono caches the body, so the handler can still read it.
	return new URLSearchParams(await c.req.text());
}

/**
 * The account and client of an OAuth request: from the token it carries (an access token, a code or a refresh
 * token names both), else from `client_id` (or Basic client authentication) and `login_hint`.
 */
export function oauthSubject(server: () => AuthorizationServer): SubjectOf {
	return async function subjectOf(c: Context): Promise<RequestSubject> {
		const query = new URL(c.req.url).searchParams;
		const form = await formOf(c);
		const param = (name: string): string | undefined => form.get(name) ?? query.get(name) ?? undefined;
		const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
		const token = bearer ?? param("access_token") ?? param("code") ?? param("refresh_token") ?? param("token");
		const owner = token === undefined ? undefined : server().ownerOf(token);
		const subject: RequestSubject = {};
		const account = owner?.userEmail ?? param("login_hint");
		const clientId = owner?.clientId ?? param("client_id") ?? basicClientId(c.req.header("authorization"));
		if (account !== undefined) subject.account = account;
		if (clientId !== undefined) subject.clientId = clientId;
		return subject;
	};
}
