"""Static attribution (issue 15, no runs): which commit of the range introduced each finding.

For a range of more than one commit, every finding whose lines changed in the range gets
`Finding.introduced_by`: the commit after which its lines are the candidate's (`attribute`), found
with `git blame` over the range on only the files and lines the findings name (`targets`, `blame`),
with the range's commits listed once (`history`). A change that came through a merge on the
first-parent path is traced into the merged branch (`CommitRef.via_merge` names the merge).
"""

from investigator.attribution.attribute import Attribution, attribute_findings

__all__ = ["Attribution", "attribute_findings"]
