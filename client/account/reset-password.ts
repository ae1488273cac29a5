// The reset page: ask for a link (POST /auth/password/forgot), or set the new password with the
// link's token (POST /auth/password/reset). The token leaves the address bar at once, so it is not
// left in the history or shown over someone's shoulder.
import { bindForm, reveal, showDone } from "./forms";
import { request } from "../shared/http";

export function startResetPassword(config: { token: string | null }): void {
	if (new URL(location.href).searchParams.has("token")) {
		const url = new URL(location.href);
		url.searchParams.delete("token");
		history.replaceState(null, "", url.pathname + url.search);
	}
	const forgot = document.querySelector<HTMLFormElement>("#forgot-form");
	bindForm(forgot, (values) => request<{ message: string }>("POST", "/auth/password/forgot", { email: values["email"] }), (data) => {
		if (forgot !== null) showDone(forgot, data.message);
	});
	const reset = document.querySelector<HTMLFormElement>("#reset-form");
	bindForm(reset, (values) => request("POST", "/auth/password/reset", { token: config.token ?? "", password: values["password"] }), () => reveal("reset-done", reset));
}
