"""Form fields shared by the apps."""

from django import forms

# The largest primary key a BigAutoField can hold.
MAX_ID = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses ids beyond 64 bits as "not one of the choices".

    Django guards single-id lookups against out-of-range integers but not ``id IN (...)``: on
    SQLite a posted id like 99999999999999999999 raised OverflowError (a 500). Use it for the
    many-to-many fields of model forms: ``field_classes = {"skills": ModelMultipleChoiceField}``.
    """

    def _check_values(self, value):
        for pk in value:
            digits = str(pk).strip().lstrip("+-")
            # Length first: int() refuses strings of more than 4,300 digits (ValueError).
            if digits.isdigit() and (len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        # A private hook of ModelMultipleChoiceField.clean that django-stubs does not declare.
        return super()._check_values(value)  # type: ignore[misc]
