from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from walletdesk.core.errors import WalletDeskError


class PipelineConfigError(WalletDeskError):
    """The pipeline declaration is not valid (unknown component, bad setting, wrong order)."""

    code = "assistant_pipeline_invalid"
    http_status = 500
    message = _("The assistant pipeline is not configured correctly: %(problem)s")


class ModelNotTrainedError(WalletDeskError):
    code = "assistant_model_missing"
    http_status = 503
    message = _(
        "The assistant is not ready yet. Its language model has not been trained; "
        "run “manage.py nlu_train”."
    )


class ModelIncompatibleError(WalletDeskError):
    code = "assistant_model_incompatible"
    http_status = 503
    message = _(
        "The assistant's trained model does not match this version of the software; "
        "run “manage.py nlu_train” again."
    )


class TrainingDataError(WalletDeskError):
    code = "assistant_training_data_invalid"
    http_status = 500
    message = _("The assistant's training data is not valid: %(problem)s")


class ParseTextInvalidError(WalletDeskError):
    code = "assistant_text_invalid"
    http_status = 400
    message = _("Type a message of 1 to %(max_length)s characters.")


class QuickReplyInvalidError(WalletDeskError):
    """A quick reply that this conversation did not offer (or no longer waits for)."""

    code = "assistant_quick_reply_invalid"
    http_status = 400
    message = _("That option is no longer available. Type your question instead.")
