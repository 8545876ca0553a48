"""Stories for the scenario-depth and depth-probe tests (coach.scoring.depth).

GUIDE_FRAUD follows the incident-story guide's own fraud example (a P1 where the fraud model flagged 40% of
transactions, minute-by-minute investigation, "ruled out model drift", an upstream data issue, executive
updates, a postmortem). The guide's exact text is in neither tests/ nor ../shared/eval, so this is a
retelling built from its quoted pieces, written before the probes were tuned and not adjusted to them.
"""

from __future__ import annotations

GUIDE_FRAUD = """\
Situation: I was the on-call ML engineer for our real-time fraud detection model at a payments company. \
At 2:05 PM on a Tuesday, alerts fired: the model was flagging 40% of transactions as fraudulent, against \
a normal 2%, so thousands of legitimate customer payments were being declined at checkout. We declared a \
P1 incident.

Task: As the on-call engineer I owned the technical investigation and the fix, while our incident \
commander ran the bridge with the payments and risk teams.

Action: In the first 15 minutes I acknowledged the page, joined the incident bridge and checked the \
model dashboards: prediction scores had jumped for every merchant at once. From 15 to 30 minutes I ruled \
out model drift by comparing the live feature distributions with the training data, and saw that the \
transaction-amount feature had shifted by a factor of 100. Then I traced it to an upstream data issue: \
the payments team had switched the amount field from dollars to cents in a release at 1:50 PM. I wrote a \
conversion step in our feature pipeline, tested it on the last hour of traffic, and deployed it at 3:10 PM. \
Every 30 minutes I sent an executive update with the impact, the status, the ETA and the next update time.

Result: The false-positive rate was back to 2% by 3:20 PM, about 75 minutes after the first alert, and \
we re-processed the 18,000 declined payments so customers could retry.

Learning: In the postmortem we added schema and unit checks on every upstream field the model reads, \
with an alert on feature distribution shifts, and we now require upstream teams to announce data \
format changes in a shared channel a week ahead.
"""
