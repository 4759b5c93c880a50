/** The seccomp filter as bytes: what it checks, in which order (its effect: hostile_test.ts). */
import assert from "node:assert/strict";
import {
  CLONE_NAMESPACE_FLAGS,
  deniedSyscalls,
  seccompFilter,
} from "../../lib/sandbox/_seccomp.ts";

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

function decode(bytes: Uint8Array): Insn[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    out.push({
      code: view.getUint16(i, true),
      jt: view.getUint8(i + 2),
      jf: view.getUint8(i + 3),
      k: view.getUint32(i + 4, true),
    });
  }
  return out;
}

/** Run the classic BPF program on one seccomp_data (nr, arch, args[0]); returns the action. */
function evaluate(program: Insn[], nr: number, arch: number, arg0 = 0): number {
  let acc = 0;
  for (let pc = 0; pc < program.length;) {
    const { code, jt, jf, k } = program[pc];
    if (code === 0x20) {
      acc = k === 0 ? nr >>> 0 : k === 4 ? arch : k === 16 ? arg0 >>> 0 : NaN;
      pc++;
    } else if (code === 0x06) return k;
    else {
      const taken = code === 0x15 ? acc === k : code === 0x35 ? acc >= k : (acc & k) !== 0;
      pc += 1 + (taken ? jt : jf);
    }
  }
  throw new Error("fell off the end of the program");
}

const X86_64 = 0xc000003e;
const EPERM = 0x00050001;
const ALLOW = 0x7fff0000;

Deno.test("seccompFilter() kills a foreign ABI and denies namespaces, mount, ptrace, bpf on x86_64", () => {
  const program = decode(seccompFilter("x86_64")!);
  assert.equal(evaluate(program, 59, 0x40000003), 0x80000000, "i386 ABI: killed");
  assert.equal(evaluate(program, 59 | 0x40000000, X86_64), EPERM, "x32 ABI: denied");
  for (const [name, nr] of [["unshare", 272], ["setns", 308], ["mount", 165], ["ptrace", 101]]) {
    assert.equal(evaluate(program, nr as number, X86_64), EPERM, String(name));
  }
  assert.equal(evaluate(program, 321, X86_64), EPERM, "bpf");
  assert.equal(evaluate(program, 425, X86_64), EPERM, "io_uring_setup");
  assert.equal(evaluate(program, 435, X86_64), 0x00050026, "clone3: ENOSYS");
  // clone: plain fork and threads pass; any namespace flag is denied.
  assert.equal(evaluate(program, 56, X86_64, 0x01200011), ALLOW, "fork");
  assert.equal(evaluate(program, 56, X86_64, 0x003d0f00), ALLOW, "thread");
  assert.equal(evaluate(program, 56, X86_64, 0x10000000), EPERM, "CLONE_NEWUSER");
  assert.equal(evaluate(program, 56, X86_64, CLONE_NAMESPACE_FLAGS), EPERM);
  for (const [name, nr] of [["read", 0], ["openat", 257], ["prlimit64", 302], ["setresuid", 117]]) {
    assert.equal(evaluate(program, nr as number, X86_64), ALLOW, String(name));
  }
});

Deno.test("seccompFilter() has a table for aarch64 and none for other architectures", () => {
  const program = decode(seccompFilter("aarch64")!);
  assert.equal(evaluate(program, 97, 0xc00000b7), EPERM, "unshare");
  assert.equal(evaluate(program, 220, 0xc00000b7, 0x10000000), EPERM, "clone(CLONE_NEWUSER)");
  assert.equal(evaluate(program, 63, 0xc00000b7), ALLOW, "read");
  assert.equal(evaluate(program, 97, X86_64), 0x80000000, "another architecture: killed");
  assert.equal(seccompFilter("riscv64"), null);
  assert.ok(deniedSyscalls("aarch64").includes("keyctl"));
  assert.ok(!deniedSyscalls("aarch64").includes("iopl"));
});
