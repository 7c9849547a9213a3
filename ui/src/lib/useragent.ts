// Turns a raw browser user agent into a few words: "Chrome on macOS", "Safari on iOS".

interface Rule {
  name: string;
  test: RegExp;
}

// Order matters: most browsers also claim to be Safari, Chrome or Mozilla.
const browsers: Rule[] = [
  { name: "Edge", test: /\b(Edg|EdgA|EdgiOS|Edge)\// },
  { name: "Opera", test: /\b(OPR|Opera|OPiOS)\// },
  { name: "Samsung Internet", test: /\bSamsungBrowser\// },
  { name: "Vivaldi", test: /\bVivaldi\// },
  { name: "Brave", test: /\bBrave\b/ },
  { name: "Firefox", test: /\b(Firefox|FxiOS)\// },
  { name: "Chrome", test: /\b(Chrome|CriOS|Chromium)\// },
  { name: "Safari", test: /\bVersion\/[\d.]+.*\bSafari\// },
];

const systems: Rule[] = [
  { name: "iOS", test: /\b(iPhone|iPad|iPod)\b/ },
  { name: "Android", test: /\bAndroid\b/ },
  { name: "ChromeOS", test: /\bCrOS\b/ },
  { name: "Windows", test: /\bWindows\b/ },
  { name: "macOS", test: /\b(Macintosh|Mac OS X)\b/ },
  { name: "Linux", test: /\b(Linux|X11)\b/ },
];

function first(rules: Rule[], ua: string): string | null {
  return rules.find((rule) => rule.test.test(ua))?.name ?? null;
}

/** "Chrome on macOS", "Firefox", "A browser on Windows", or "Unknown browser". */
export function describeUserAgent(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim() ?? "";
  if (!ua) return "Unknown browser";
  const browser = first(browsers, ua);
  const system = first(systems, ua);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `A browser on ${system}`;
  return "Unknown browser";
}
