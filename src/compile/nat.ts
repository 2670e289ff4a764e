/** The NAT rule of a host-attached bridge, after `-A`/`-D`: the same words add and delete it. */
export function natRuleSpec(subnet: string, hostIf: string, tag: string): string[] {
  return ['POSTROUTING', '-s', subnet, '!', '-o', hostIf, '-m', 'comment', '--comment', tag, '-j', 'MASQUERADE'];
}
