// Consent page of the sandbox authorization servers: pick an account, see the scopes, Allow or Deny.
import type { SandboxUser } from "../oauth/users";
import { escapeHtml, layout } from "./html";

export interface ConsentPageInput {
	providerTitle: string;
	clientId: string;
	scopes: string[];
	users: SandboxUser[];
	loginHint: string | undefined;
	/** Original authorize parameters, re-posted as hidden fields. */
	params: URLSearchParams;
}

export function renderConsent(input: ConsentPageInput): string {
	const hidden = [...input.params]
		.filter(([key]) => key !== "decision" && key !== "account" && key !== "new_email" && key !== "new_name")
		.map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`)
		.join("");
	const accounts = input.users
		.map(
			(u, i) =>
				`<label><input type="radio" name="account" value="${escapeHtml(u.email)}"${i === 0 ? " checked" : ""}> ${escapeHtml(u.name)} &lt;${escapeHtml(u.email)}&gt;</label><br>`,
		)
		.join("");
	const scopes = input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join("");
	return layout(
		`Sign in with ${input.providerTitle} (sandbox)`,
		`<h1>Sign in with ${escapeHtml(input.providerTitle)}</h1>
<p>The application <strong>${escapeHtml(input.clientId)}</strong> wants to access your account.</p>
<form method="post">${hidden}
<fieldset><legend>Account</legend>${accounts}
<label><input type="radio" name="account" value="new"${input.users.length === 0 ? " checked" : ""}> Another account:</label>
<input type="email" name="new_email" placeholder="email" value="${escapeHtml(input.loginHint ?? "")}">
<input type="text" name="new_name" placeholder="name"></fieldset>
<h2>Requested permissions</h2><ul>${scopes}</ul>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
	);
}
