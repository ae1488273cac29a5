// The sign-in page: the password form (POST /auth/signin, then on to returnTo) and, after a refused
// provider login, the form that emails a link to finish it (POST /auth/pending-login/email).
import { bindForm, showDone } from "./forms";
import { request } from "../shared/http";

export function startSignIn(config: { returnTo: string }): void {
	bindForm(
		document.querySelector<HTMLFormElement>("#signin-form"),
		(values) => request("POST", "/auth/signin", { email: values["email"], password: values["password"] }),
		() => location.assign(config.returnTo),
	);
	const pending = document.querySelector<HTMLFormElement>("#pending-form");
	bindForm(pending, (values) => request<{ message: string }>("POST", "/auth/pending-login/email", { email: values["email"] }), (data) => {
		if (pending !== null) showDone(pending, data.message);
	});
}
