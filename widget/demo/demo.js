// The host page's side of the embed: where the widget gets its JWT. A real site would return
// the signed-in user's token here; the demo backend hands out a short-lived demo token.
async function getToken() {
  const res = await fetch('/demo/token', { credentials: 'same-origin' });
  if (!res.ok) return null;
  const { token } = await res.json();
  return token;
}

function configure() {
  const chat = window.PulseChat;
  chat.init({
    getToken,
    greeting: 'Hi! I can help with beans, brewing and orders.',
    starters: ['Which beans suit espresso?', 'How should I store coffee?', 'Do you ship to Germany?'],
  });

  document.getElementById('ask').addEventListener('click', () => chat.send('Which of your coffees are decaf?'));

  const theme = document.getElementById('theme');
  theme.addEventListener('click', () => {
    const dark = theme.getAttribute('aria-pressed') !== 'true';
    theme.setAttribute('aria-pressed', String(dark));
    chat.init({ theme: dark ? 'dark' : 'light' });
  });

  const lang = document.getElementById('lang');
  lang.addEventListener('click', () => {
    const german = lang.getAttribute('aria-pressed') !== 'true';
    lang.setAttribute('aria-pressed', String(german));
    chat.init({ locale: german ? 'de' : 'en' });
  });
}

// The widget script is async, so it may run before or after this file.
if (window.PulseChat) configure();
else window.addEventListener('pulse-ready', configure, { once: true });
