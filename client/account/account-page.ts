// The account page: profile (PATCH /api/v1/me), a change of address (the same, with email), the
// confirmation link again, adding or changing the password (POST /auth/password), and unlinking a
// login (DELETE /api/v1/me/logins/:id). Changes that alter what the page shows reload it.
import { bindForm, showDone } from "./forms";
import type { FormValues } from "./forms";
import { request } from "../shared/http";

function nullable(values: FormValues, name: string): string | null {
	const value = values[name];
	return value === "" || typeof value !== "string" ? null : value;
}

export function startAccount(): void {
	const profile = document.querySelector<HTMLFormElement>("#profile-form");
	bindForm(
		profile,
		(values) => request("PATCH", "/api/v1/me", { firstName: nullable(values, "firstName"), lastName: nullable(values, "lastName"), photoUrl: nullable(values, "photoUrl") }),
		() => location.reload(),
	);

	const email = document.querySelector<HTMLFormElement>("#email-form");
	bindForm(email, (values) => request("PATCH", "/api/v1/me", { email: values["email"] }), () => location.reload());

	const resend = document.querySelector<HTMLFormElement>("#resend-form");
	bindForm(resend, () => request<{ message: string }>("POST", "/auth/verify-email/resend"), (data) => {
		if (resend !== null) showDone(resend, data.message);
	});

	const password = document.querySelector<HTMLFormElement>("#password-form");
	bindForm(
		password,
		(values) =>
			request("POST", "/auth/password", {
				password: values["password"],
				...(password?.dataset["hasPassword"] === "true" ? { currentPassword: values["currentPassword"] } : {}),
				signOutOtherDevices: values["signOutOtherDevices"] === true,
			}),
		() => location.reload(),
	);

	for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>("[data-unlink]"))) {
		button.addEventListener("click", () => {
			if (!window.confirm(`Unlink ${button.dataset["provider"] ?? "this login"}? You will no longer be able to sign in with it.`)) return;
			void request("DELETE", `/api/v1/me/logins/${encodeURIComponent(button.dataset["unlink"] ?? "")}`).then((answer) => {
				if (answer.ok) {
					location.reload();
					return;
				}
				const error = document.getElementById("logins-error");
				if (error !== null) {
					error.textContent = answer.detail;
					error.tabIndex = -1;
					error.focus();
				}
			});
		});
	}
}
