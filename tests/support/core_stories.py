"""Hand-written stories for the core tests (not taken from the evaluation sets)."""

from __future__ import annotations

STRONG = """\
Last spring I was the on-call ML engineer for the search ranking service at an online grocery company. \
At 6:40 a.m. on a Saturday I was paged because click-through on search results had dropped by half, \
and we declared a SEV-1 since shoppers could not find basic items and checkout conversions were falling.

My job as incident commander was to stop the damage first and then find the root cause before the \
weekend peak. I opened an incident channel, pulled in the data platform team and kept the product \
manager and customer support informed with status updates every 30 minutes.

First I checked the ranking dashboards and saw that the model's scores had collapsed to a constant. \
Then I compared the feature distributions from Friday with Saturday's and found that the \
freshness feature was null for every item. After that I traced it to a schema change in the upstream \
inventory pipeline that had renamed a column overnight. I rolled the ranker back to the previous model \
with the fallback features, and at 7:55 a.m. I confirmed the scores looked normal again.

The outage lasted about 75 minutes from the first page to recovery. Click-through went back to 31%, \
its usual baseline, and conversions recovered to within 1% of the previous Saturday.

Afterwards I added schema validation on the inventory pipeline and an alert on null feature rates, \
so a renamed column now blocks the release. We ran a blameless postmortem with the data platform team, \
and I wrote a runbook for the on-call rotation on how to roll back the ranker.
"""

VAGUE = """\
There was a problem with one of our models once and it was not working well. We looked into it as a \
team and we worked hard on it for a while. Eventually things got better and everybody was happy with \
how it went. It was a good learning experience overall and I think we all grew from it.
"""

# Impact stated only at the very end, in the last sentence of the result.
IMPACT_AT_END = """\
I was the on-call engineer for the recommendation service when an alert fired: the model was returning \
the same ten items for everyone. First I checked the logs and found that the nightly embedding job had \
failed on an out-of-memory error. Then I reran the job on a larger node and redeployed the index, and \
after that the recommendations were personalised again. Afterwards I added an alert on the embedding \
job's success. By then about 40,000 customers had seen generic recommendations and the support team \
had logged 300 tickets.
"""

# Sections out of order: learning first, then result, then action, then situation.
OUT_OF_ORDER = """\
Since then we added a drift alert on the fraud model's input features and a canary step that blocks any \
release whose score distribution shifts. The approval rate went back to 96% from 70% once I reverted. \
What I did was roll back the feature release and then I queried the feature store to compare the \
distributions. It started when our fraud model began declining thousands of customer payments after a \
feature pipeline release, and I was the on-call engineer that night.
"""

WE_ONLY = """\
We were working on the pricing model when the pipeline broke and prices went wrong for many customers. \
We checked the dashboards and then we queried the feature store. After that we rolled back the release \
and we restarted the jobs. The team fixed the pipeline and prices were back to normal within two hours. \
Afterwards we added validation checks on the pipeline and wrote a runbook.
"""

TRANSCRIPT = (
    "so um yeah we got paged at like 2 am because the fraud model was declining basically every card "
    "and uh i was on call that week so i was the one who had to handle it and um first i checked the "
    "dashboards and the decline rate was way up and then i looked at the feature pipeline and uh it had "
    "shipped a change that afternoon so i rolled it back and then like after that i watched the decline "
    "rate and it went back to normal and um yeah then i posted an update to the payments team and we "
    "did a postmortem the next day"
)

TEAM_CONFLICT = """\
Two senior engineers on my team disagreed about how to structure our new onboarding documentation, and \
the arguments were slowing everyone down. I was the team lead, so I set up a meeting with both of them \
and asked each to explain their goals. Then I suggested we write a short proposal together and let the \
wider team vote on it. After that the two of them worked well together and the documentation was \
finished two weeks later. I learned that giving people a shared goal works better than picking a side.
"""

JUNK = {
    "fine": "fine",
    "recipe": (
        "Preheat the oven to 180 degrees. Mix two cups of flour with one cup of sugar and three eggs. "
        "Add the melted butter and stir until smooth. Pour the batter into a greased tin and bake for "
        "forty minutes, then let it cool on a rack before slicing."
    ),
    "lorem": (
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore "
        "et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut "
        "aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse."
    ),
    "buzzwords": (
        "Kubernetes, incident, SEV-1, paged, rollback, postmortem, runbook, monitoring, alerting, customers, "
        "revenue, latency, p99, on-call, incident commander, feature store, drift, canary, circuit breaker, "
        "dashboards, logs, root cause, mitigated, resolved, 40% reduction, 2 hours, blameless, stakeholders."
    ),
}

# A long, rambling story: many words, few STAR-L elements.
_RAMBLE_UNIT = (
    "So there was this thing with the model, and honestly it was a really interesting time at the company "
    "because a lot of things were going on, we had reorgs and new people joining and the roadmap kept "
    "changing, and I remember thinking the model was acting a bit strange, and people were talking about "
    "it in meetings and over lunch, and we kind of looked at it from different angles for a while. "
)
RAMBLING = _RAMBLE_UNIT * 12

# Complete but short: every component in a few sentences.
SHORT_COMPLETE = """\
I was on call for our payments fraud model when I was paged at 1 a.m.: it was declining 30% of card \
payments and customers could not check out. My job was to stop the declines fast. First I checked the \
model dashboards and found a feature had gone null after a pipeline release, then I rolled the release \
back and posted updates to the payments team every 20 minutes. The decline rate went back to its 2% \
baseline within 50 minutes. Afterwards I added a null-rate alert on that feature, and we wrote a \
runbook for rolling back feature releases.
"""

# Long and incident-flavoured, but vague: no role, no numbers, no concrete steps, no learning.
LONG_RAMBLING_INCIDENT = (
    "So this was a while back and there was an issue with one of the models in production, I think it "
    "was the ranking one or maybe the one next to it, and things were kind of off for a bit. "
    "People were talking about it in different channels and there was a lot going on that quarter, "
    "with the reorg and new people joining and priorities shifting around all the time. "
    "We looked at it from a lot of angles and had many conversations about what it might be, and "
    "everyone had a theory, and some of the theories were pretty interesting honestly. "
) * 6 + (
    "Eventually it sort of went away and things were fine again, and the team moved on to other work, "
    "and overall I think it went okay considering everything that was happening at the time."
)

# The only numbers are a team size, a language version and a software version: none is an outcome.
NUMBERS_NOT_OUTCOMES = """\
I was the on-call engineer for the search ranking model at a travel company when it broke after a \
library upgrade and customers started seeing irrelevant hotels. A team of 5 engineers was pulled in. \
First I checked the logs and found the upgrade to version 2.3 of our feature library had changed a \
default. Then I pinned the library back and redeployed the service on Python 3.9, and the results \
looked right again. Afterwards I added a test that compares rankings before and after any upgrade.
"""

# A resolution time is the only number.
DURATION_ONLY = """\
I was the on-call engineer when our churn model's nightly scoring job crashed and the retention team \
got no customer lists. First I checked the scheduler logs and found the job was running out of memory. \
Then I doubled the memory of the worker and reran the job, and the lists were delivered. It took us \
two hours to fix. Afterwards I added an alert on the job's memory use and we updated the runbook.
"""

# The only "learning" is a personal lesson.
PERSONAL_LESSON = """\
I was the on-call engineer when the recommendation model started serving stale results and customers \
complained. First I checked the feature store and found the nightly refresh had stopped. Then I \
restarted the refresh job and the results were fresh again about an hour later. \
I learned to stay calm under pressure and to take a breath before touching production.
"""

# Short incident story whose on-call wording decides its topic cues (a minimal pair with ON_CALL_SPOKEN).
ON_CALL_HYPHEN = (
    "I was on-call for the search service that week. At 9 p.m. the ranking model started failing for every "
    "query and shoppers saw empty results. First I checked the logs and found a bad config push. Then I "
    "reverted the config and the results came back within 20 minutes. Afterwards I added a config "
    "validation test."
)
ON_CALL_SPOKEN = ON_CALL_HYPHEN.replace("on-call", "on call")

# The batch tests' story: short, strong, with numbers that varied_story() changes row by row.
CHECKOUT_OUTAGE = (
    "Last March our checkout API went down during a sale and about 3,000 customers could not pay. "
    "I was the on-call engineer and I led the incident bridge with the payments team. "
    "First I checked the dashboards, then I rolled back the bad deploy at 10:40. "
    "Error rates went back to 0.1% within 20 minutes. "
    "Afterwards we added a canary alert and updated the runbook."
)


def varied_story(i: int) -> str:
    """Varied stories: the same facts with different numbers, so scores are stable but rows differ."""
    return CHECKOUT_OUTAGE.replace("3,000", f"{1000 + i:,}").replace("20 minutes", f"{5 + i % 50} minutes")
