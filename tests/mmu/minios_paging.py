#!/usr/bin/env python3
"""miniOS boots and runs the same session under every paging mode.

Runs `isolab vm run --paging MODE --stats` with a scripted session under
shadow and nested paging (and direct, the guest walking its own tables) and
checks that the serial transcripts are identical, that the session ran, and
that each mode's MMU counters show the mode at work.
Usage: minios_paging.py PATH/TO/isolab
"""
import subprocess
import sys

SESSION = 'ls /bin\\nps\\necho a | cat\\npoweroff\\n'


def run(isolab, mode):
    p = subprocess.run([isolab, 'vm', 'run', '--paging', mode, '--stats', '--timeout', '60s',
                        '--input', SESSION], capture_output=True, text=True, timeout=100)
    stats = {}
    for line in p.stderr.splitlines():
        name, _, value = line.partition(' ')
        if value.isdigit():
            stats[name] = int(value)
    return p.returncode, p.stdout, stats


def main():
    isolab = sys.argv[1]
    runs = {mode: run(isolab, mode) for mode in ('shadow', 'nested', 'direct')}
    failures = []
    for mode, (rc, out, _) in runs.items():
        if rc != 0:
            failures.append(f'{mode}: exit status {rc}')
        if '$ echo a | cat\na\n' not in out.replace('\r', '') or 'power down' not in out:
            failures.append(f'{mode}: the session did not run to poweroff')
    shadow_out, nested_out = runs['shadow'][1], runs['nested'][1]
    if shadow_out != nested_out:
        failures.append('the shadow and nested transcripts differ')
    if shadow_out != runs['direct'][1]:
        failures.append('the shadow and direct transcripts differ')
    shadow, nested = runs['shadow'][2], runs['nested'][2]
    if shadow.get('vm.insns') != nested.get('vm.insns'):
        failures.append(f"instruction counts differ: {shadow.get('vm.insns')} vs {nested.get('vm.insns')}")
    if not shadow.get('vm.mmu.pf_fixed') or not shadow.get('vm.exits.EXCEPTION_NMI'):
        failures.append('shadow: no shadow fills counted')
    if not nested.get('vm.exits.EPT_VIOLATION') or nested.get('vm.exits.EXCEPTION_NMI', 0) != 0:
        failures.append('nested: expected EPT violations and no #PF exits')
    for f in failures:
        print('FAIL', f)
    if failures:
        print('--- shadow transcript ---\n' + shadow_out)
        return 1
    print('same transcript under shadow, nested and direct paging')
    return 0


if __name__ == '__main__':
    sys.exit(main())
