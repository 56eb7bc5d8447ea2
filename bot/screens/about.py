"""/help and /privacy texts, built once per language."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.keyboards.cache import per_language


@per_language
def help_text() -> str:
    return "\n".join(
        (
            _(
                "I'm Qorgan, a bot about staying safe from drugs, "
                "for teenagers, parents and teachers."
            ),
            "",
            _("/start: main menu"),
            _("/learn: prevention topics"),
            _("/quiz: quizzes"),
            _("/practice: rehearse what to say in chat situations"),
            _("/report: report a drug shop, channel, advert or stash anonymously"),
            _("/status: check your report with its receipt code"),
            _("/help: this message"),
            _("/settings: language, who you are, region, campaign messages"),
            _("/language: change the language"),
            _("/privacy: what I store and what I never store"),
            _("/stop: stop campaign messages"),
            _("/forget: delete everything I keep about you"),
            _("/cancel: leave what you are doing"),
            "",
            # {emergency} is filled in by the caller, from help.yaml.
            _("If you are in danger right now, call {emergency}."),
        )
    )


@per_language
def privacy_text() -> str:
    return "\n".join(
        (
            _("<b>What I keep</b>"),
            _("• the number of our chat, so I can answer you"),
            _(
                "• your language, who you are (teenager, parent or teacher) "
                "and your region, if you gave it"
            ),
            _("• whether you want campaign messages"),
            _("• the date (not the time) you started"),
            _("• your quiz answers and scores, and which topics you found useful"),
            _("• how many times each topic was opened, counted without names"),
            _(
                "• how many times you played each practice situation; what you chose in it and "
                "how you answered its short questions are only added to totals, without you"
            ),
            "",
            _("<b>What I never keep</b>"),
            _("• your name, username or phone number"),
            _("• when you were last here"),
            _("• the text of your messages, except what you send on purpose"),
            "",
            _("<b>Anonymous reports</b>"),
            _("• a report is stored with no link to you: no chat number, no name, no username"),
            _("• your receipt code is stored only as a fingerprint, so only you can use it"),
            _("• photos are copied anew, without hidden data such as where they were taken"),
            _("• a report's text and photos are deleted once nothing happened to it for a while"),
            "",
            _(
                "Nobody gets your data for advertising. To stop campaign messages, send /stop; "
                "to delete everything I keep about you, send /forget."
            ),
        )
    )
