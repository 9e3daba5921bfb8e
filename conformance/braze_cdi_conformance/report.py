"""Writing a run's verdict: the text report on the terminal, and JUnit XML on request."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from braze_cdi_conformance.run import Status
from braze_cdi_conformance.suite import Result

LABELS = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.SKIPPED: "SKIP"}


def render(result: Result) -> str:
    """The report a person reads: one line per check, findings under failed ones, then totals."""
    width = max(len(check.name) for check, _ in result.checks)
    lines = [
        f"Conformance of {result.base_url} to the Braze CDI contract {result.contract_version}"
    ]
    for check, state in result.checks:
        line = f"  {LABELS[state.status]}  {check.name:<{width}}  {check.promise}"
        if state.status is Status.SKIPPED:
            line += f" (skipped: {state.skip_reason})"
        lines.append(line)
        for finding in state.findings:
            lines += [
                f"        {finding.what}",
                f"          Expected: {finding.expected}",
                f"          Received: {finding.received}",
                f"          Reproduce: {finding.reproduce}",
            ]
        hidden = state.total_findings - len(state.findings)
        if hidden > 0:
            lines.append(f"        ... and {hidden} more finding(s) of this check")
    if result.notes:
        lines.append("Notes:")
        lines += [f"  {note}" for note in result.notes]
    counts = dict.fromkeys(Status, 0)
    for _, state in result.checks:
        counts[state.status] += 1
    verdict = "NOT CONFORMANT" if not result.conformant else "CONFORMANT"
    if result.conformant and result.requests_not_sent:
        verdict = "INCOMPLETE"  # nothing broken was seen, but not everything was tried
    waited = f", {result.seconds_waited:.1f} s of it waiting" if result.seconds_waited else ""
    sent = (
        f"{result.requests_sent} exchanges judged, none sent"
        if result.passive
        else f"{result.requests_sent} requests, {result.generated_cases} generated cases "
        f"(seed {result.seed})"
    )
    lines.append(
        f"{verdict}: {counts[Status.PASSED]} passed, {counts[Status.FAILED]} failed, "
        f"{counts[Status.SKIPPED]} skipped; {sent}, {result.seconds:.1f} s{waited}"
    )
    return "\n".join(lines)


def write_junit(result: Result, path: Path) -> None:
    """A JUnit XML file with one test case per check."""
    failures = sum(1 for _, state in result.checks if state.status is Status.FAILED)
    skipped = sum(1 for _, state in result.checks if state.status is Status.SKIPPED)
    suite = ET.Element(
        "testsuite",
        name="braze-cdi-conformance",
        tests=str(len(result.checks)),
        failures=str(failures),
        skipped=str(skipped),
        errors="0",
        time=f"{result.seconds:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("base_url", result.base_url), ("seed", str(result.seed))):
        ET.SubElement(properties, "property", name=name, value=value)
    for check, state in result.checks:
        case = ET.SubElement(suite, "testcase", classname="conformance", name=check.name)
        if state.status is Status.SKIPPED:
            ET.SubElement(case, "skipped", message=state.skip_reason or "")
        elif state.status is Status.FAILED:
            first = state.findings[0]
            failure = ET.SubElement(case, "failure", message=first.what)
            failure.text = "\n\n".join(
                f"{finding.what}\nExpected: {finding.expected}\nReceived: {finding.received}\n"
                f"Reproduce: {finding.reproduce}"
                for finding in state.findings
            )
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
