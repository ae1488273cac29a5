// The emailed link's page: confirm (POST /auth/pending-login/confirm), then on to the account.
import { bindForm } from "./forms";
import { request } from "../shared/http";

export function startLinkLogin(config: { token: string | null; returnTo: string }): void {
	const url = new URL(location.href);
	if (url.searchParams.has("token")) history.replaceState(null, "", url.pathname);
	bindForm(document.querySelector<HTMLFormElement>("#link-form"), () => request("POST", "/auth/pending-login/confirm", { token: config.token ?? "" }), () => location.assign(config.returnTo));
}
