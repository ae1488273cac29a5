// The sign-up page: POST /auth/signup, then a "check your email" panel in place of the form.
import { bindForm, reveal } from "./forms";
import { request } from "../shared/http";

export function startSignUp(): void {
	const form = document.querySelector<HTMLFormElement>("#signup-form");
	bindForm(
		form,
		(values) => {
			const optional = (name: string): string | undefined => (values[name] === "" ? undefined : String(values[name]));
			return request<{ user: { email: string } }>("POST", "/auth/signup", { email: values["email"], password: values["password"], firstName: optional("firstName"), lastName: optional("lastName") });
		},
		(data) => {
			const text = document.getElementById("signup-done-text");
			if (text !== null) text.textContent = `We have sent a link to ${data.user.email}. Open it to confirm your address; you are already signed in.`;
			reveal("signup-done", form);
		},
	);
}
