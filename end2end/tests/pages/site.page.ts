import { expect, type Locator, type Page } from "@playwright/test";
import { InvitationsPage } from "./invitations.page";
import { users, waitForHydration } from "./login.page";
import { ProfilePage } from "./profile.page";
import { RecentAuthentications } from "./recent-authentications.page";

/** One page of the site, as the layout and accessibility specs visit it. */
export interface SitePage {
  /** The start of its screenshots' names: screenshots/<name>-<width>-<scheme>.png. */
  name: string;
  path: string;
  /** Shown to the admin (signed in first), or to anyone. */
  signedIn: boolean;
  /** A heading the page shows once it is there. */
  heading: string | RegExp;
  /** What else the page loads, shown once it has. */
  loaded?: (page: Page) => Promise<void>;
  /**
   * Adds a record of the visiting test's own, so that the page's table is there to check
   * however the other specs have run.
   */
  prepare?: (page: Page) => Promise<void>;
}

const unique = (what: string) => `${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const sitePages: SitePage[] = [
  { name: "login", path: "/login", signedIn: false, heading: "Sign in to Tessera" },
  {
    name: "profile",
    path: "/profile",
    signedIn: true,
    heading: users.admin.displayName,
    loaded: async (page) => {
      await new ProfilePage(page).tokensLoaded();
      await new RecentAuthentications(page).expectLoaded();
    },
    prepare: async (page) => {
      const profile = new ProfilePage(page);
      const label = unique("layout check");
      const { secretDialog } = await profile.createToken({ label });
      await secretDialog.getByRole("button", { name: "Done" }).click();
      await expect(profile.row(label)).toBeVisible();
    },
  },
  {
    name: "create-token",
    path: "/profile/tokens/new",
    signedIn: true,
    heading: "Create Token",
    loaded: (page) => expect(page.getByRole("group", { name: "Permissions" }).getByRole("checkbox").first()).toBeVisible(),
  },
  {
    name: "admin-overview",
    path: "/admin",
    signedIn: true,
    heading: "Overview",
    loaded: (page) => expect(page.getByRole("img", { name: /tokens created and .* expired/ })).toBeVisible(),
  },
  {
    name: "admin-users",
    path: "/admin/users",
    signedIn: true,
    heading: "System Users",
    loaded: (page) => expect(page.locator("table.report")).toBeVisible(),
  },
  {
    name: "admin-invitations",
    path: "/admin/invitations",
    signedIn: true,
    heading: "Invitations",
    loaded: (page) => expect(page.locator("table.invitations, main p.empty").first()).toBeVisible(),
    prepare: async (page) => {
      const invitations = new InvitationsPage(page);
      const email = `${unique("layout")}@example.com`;
      await invitations.invite({ email, displayName: "Layout Check" });
      await invitations.closeLinkDialog();
      await expect(invitations.row(email)).toBeVisible();
    },
  },
  {
    name: "admin-permissions",
    path: "/admin/permissions",
    signedIn: true,
    heading: "Permissions",
    loaded: (page) => expect(page.locator("table.permissions")).toBeVisible(),
  },
  {
    name: "admin-security",
    path: "/admin/security",
    signedIn: true,
    heading: "Security",
    loaded: (page) => expect(page.getByRole("list", { name: "Allowlist entries" })).toBeAttached(),
  },
  {
    name: "admin-audit",
    path: "/admin/audit",
    signedIn: true,
    heading: "Audit Log",
    loaded: (page) => expect(page.locator("table.audit")).toBeVisible(),
  },
];

export const phone = { width: 375, height: 812 };
export const screenshotSizes = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];
export const colorSchemes = ["light", "dark"] as const;
export type ColorScheme = (typeof colorSchemes)[number];

/** Opens `target` (the admin signs in first where it needs it) and waits until it is complete. */
export async function visit(page: Page, target: SitePage) {
  if (target.signedIn && !(await isSignedIn(page))) await ProfilePage.signedInAs(page, users.admin);
  await page.goto(target.path);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { level: 1, name: target.heading })).toBeVisible();
  await target.loaded?.(page);
  await target.prepare?.(page);
  // Every "Loading…" placeholder has given way to what it waited for.
  await expect(page.locator("main").getByText(/^Loading/)).toHaveCount(0);
}

async function isSignedIn(page: Page) {
  return (await page.context().cookies()).some((cookie) => /tessera_session/.test(cookie.name));
}

/** Switches the colour scheme the page sees, and waits until it has been painted with it. */
export async function useColorScheme(page: Page, colorScheme: ColorScheme) {
  await page.emulateMedia({ colorScheme });
  await settled(page);
}

/** Resizes the window and waits until the page has been laid out again. */
export async function resize(page: Page, size: { width: number; height: number }) {
  await page.setViewportSize(size);
  await settled(page);
}

async function settled(page: Page) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** The page is no wider than the window: nothing makes it scroll sideways. */
export async function expectNoSidewaysScroll(page: Page, what: string) {
  const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
    // Names the elements reaching past the window's right edge that no scrolling box
    // around them clips, to say what is too wide when it fails.
    const clipped = (element: Element) => {
      for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== "visible") return true;
      }
      return false;
    };
    const widest = [...document.body.querySelectorAll("*")]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth && !clipped(element))
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}${[...element.classList].map((name) => `.${name}`).join("")} (right edge ${Math.round(element.getBoundingClientRect().right)})`)
      .join(", ");
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest };
  });
  expect(scrollWidth, `${what}: the page scrolls sideways at ${innerWidth} pixels; too wide: ${widest}`).toBeLessThanOrEqual(
    innerWidth,
  );
}

/**
 * Saves screenshots of the page as it is now, at 390 and 1280 pixels in both colour schemes:
 * screenshots/<name>-<width>-<scheme>.png. Each width is checked for sideways scrolling too.
 * Leaves the page light, at 1280 pixels.
 *
 * Full-page by default. For a dialog or the open menu, `fullPage: false` shows what people see:
 * a full-page capture draws a dialog's fixed backdrop over the first window's height only.
 */
export async function saveScreenshots(page: Page, name: string, { fullPage = true } = {}) {
  for (const size of screenshotSizes) {
    await resize(page, size);
    await expectNoSidewaysScroll(page, `${name} at ${size.width} pixels`);
    for (const colorScheme of colorSchemes) {
      await useColorScheme(page, colorScheme);
      await page.screenshot({ path: `screenshots/${name}-${size.width}-${colorScheme}.png`, fullPage });
    }
  }
  await useColorScheme(page, "light");
}

/** The top bar of signed-in pages: on phones its links are behind a "Menu" disclosure. */
export class TopBar {
  readonly menu: Locator;
  readonly menuButton: Locator;
  readonly nav: Locator;

  constructor(readonly page: Page) {
    this.menu = page.locator("header.topbar details.nav-menu");
    this.menuButton = this.menu.locator("summary", { hasText: "Menu" });
    this.nav = page.getByRole("navigation", { name: "Main" });
  }

  link(name: string) {
    return this.nav.getByRole("link", { name, exact: true });
  }

  signOut() {
    return this.page.locator("header.topbar").getByRole("button", { name: "Sign out" });
  }

  async openMenu() {
    await this.menuButton.click();
    await expect(this.menu).toHaveAttribute("open", "");
    await expect(this.link("Profile")).toBeVisible();
  }
}
