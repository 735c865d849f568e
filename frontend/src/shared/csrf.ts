/** Django's CSRF token: the csrftoken cookie, or the hidden form field the page rendered. */
export function csrfToken(): string {
  const cookie = document.cookie
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith('csrftoken='));
  if (cookie) {
    return decodeURIComponent(cookie.slice('csrftoken='.length));
  }
  const field = document.querySelector<HTMLInputElement>('input[name="csrfmiddlewaretoken"]');
  return field?.value ?? '';
}
