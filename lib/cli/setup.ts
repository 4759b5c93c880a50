// deno-lint-ignore-file no-console
/**
 * `deno task setup`: make sure the system tools the tests and notebooks use are present, and
 * install them where this can be done unattended (Debian/Ubuntu as root: apt-get). Run first by
 * `deno task test`. Prints what it did; exits 1 with the command to run when it cannot install.
 *
 * - Jupyter (nbconvert, nbclient) and the Deno kernelspec: notebooks run headless.
 * - bubblewrap (Linux): the sandbox for executing model-written code (coding task).
 * - Chromium (Linux): the HTML report is checked in a headless browser.
 * - DejaVu fonts: figures are rendered to PNG with a known font.
 * @module
 */
import { runMain } from "./_common.ts";

interface Need {
  name: string;
  present: () => Promise<boolean>;
  debian: string[];
  mac: string;
}

async function ok(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null", stdin: "null" })
      .output();
    return out.code === 0;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

const NEEDS: Need[] = [
  {
    name: "Jupyter nbconvert/nbclient",
    present: () => ok("jupyter", ["nbconvert", "--version"]),
    debian: ["jupyter-nbconvert", "python3-nbclient", "jupyter-core", "jupyter-client"],
    mac: "pip3 install nbconvert nbclient (or: brew install jupyterlab)",
  },
  ...(Deno.build.os === "linux"
    ? [
      {
        name: "bubblewrap (code sandbox)",
        present: () => ok("bwrap", ["--version"]),
        debian: ["bubblewrap"],
        mac: "",
      },
      {
        name: "Chromium (HTML report check)",
        present: async () => (await exists("/usr/bin/chromium")) || ok("chromium", ["--version"]),
        debian: ["chromium"],
        mac: "",
      },
      {
        name: "DejaVu fonts",
        present: () => exists("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        debian: ["fonts-dejavu-core"],
        mac: "",
      },
    ]
    : []),
];

/** Entry point; returns the exit code. */
export async function main(): Promise<number> {
  const missing: Need[] = [];
  for (const need of NEEDS) if (!(await need.present())) missing.push(need);
  if (missing.length) {
    const pkgs = missing.flatMap((n) => n.debian);
    const isRoot = Deno.uid?.() === 0;
    const hasApt = await ok("apt-get", ["--version"]);
    if (Deno.build.os === "linux" && hasApt && isRoot) {
      console.log(
        `setup: installing ${missing.map((n) => n.name).join(", ")} (apt-get install ${
          pkgs.join(" ")
        })`,
      );
      const env = { DEBIAN_FRONTEND: "noninteractive" };
      const q = { stdout: "null", stderr: "inherit", stdin: "null", env } as const;
      await new Deno.Command("apt-get", { args: ["update", "-qq"], ...q }).output();
      const out = await new Deno.Command("apt-get", {
        args: ["install", "-y", "-qq", "--no-install-recommends", ...pkgs],
        ...q,
      }).output();
      if (out.code !== 0) {
        console.error(`setup: apt-get install failed (exit ${out.code})`);
        return 1;
      }
    } else {
      console.error("setup: missing " + missing.map((n) => n.name).join(", ") + ". Install with:");
      console.error(
        Deno.build.os === "darwin"
          ? missing.map((n) => `  ${n.mac}`).filter((l) => l.trim()).join("\n")
          : `  sudo apt-get install -y --no-install-recommends ${pkgs.join(" ")}`,
      );
      return 1;
    }
  }
  // The Deno kernelspec records deno's absolute path: (re)install when it is missing or moved.
  const specs = await new Deno.Command("jupyter", {
    args: ["kernelspec", "list", "--json"],
    stdout: "piped",
    stderr: "null",
  })
    .output().then(
      (o) => JSON.parse(new TextDecoder().decode(o.stdout)).kernelspecs ?? {},
      () => ({}),
    );
  if (specs.deno?.spec?.argv?.[0] !== Deno.execPath()) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--install", "--force"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (out.code !== 0) {
      console.error("setup: deno jupyter --install failed");
      return 1;
    }
    console.log(`setup: Deno Jupyter kernel installed for ${Deno.execPath()}`);
  }
  console.log("setup: all tools present");
  return 0;
}

if (import.meta.main) await runMain(main);
