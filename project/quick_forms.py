"""Form markup written in Python, for forms on the busiest pages.

The lend page is one of the busiest (manage.py bench_load), and Django's template-based form
rendering (a template for the layout, each field, label, widget, attribute list and option)
took a fifth of its time, and most of the time of a device picker listing the city's devices.
QuickForm writes the same markup as Django directly for the widgets in _WIDGET_HTML and leaves
anything else to Django. tests/loans/test_forms.py compares both renderings, so a Django
upgrade that changes the markup shows up there. It assumes Django's own form templates: the
project overrides none of them (no templates/django/forms/, default FORM_RENDERER).
"""

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def _attrs_html(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html.
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(widget: dict) -> str:
    # As django/forms/widgets/input.html.
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    return (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}'
        f"{_attrs_html(widget['attrs'])}>"
    )


def _select_html(widget: dict) -> str:
    # As django/forms/widgets/select.html with select_option.html.
    html = [f'<select name="{escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{escape(group_name)}">')
        for option in options:
            html.append(
                f'\n  <option value="{escape(option["value"])}"{_attrs_html(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>")
    return "".join(html)


def _choice_inputs_html(widget: dict) -> str:
    # As django/forms/widgets/multiple_input.html with input_option.html.
    attrs = widget["attrs"]
    id_attr = f' id="{escape(attrs["id"])}"' if attrs.get("id") else ""
    class_attr = f' class="{escape(attrs["class"])}"' if attrs.get("class") else ""
    html = [f"<div{id_attr}{class_attr}>"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            html.append(f"\n  <div><label>{conditional_escape(group_name)}</label>")
        for option in options:
            option_id = option["attrs"].get("id")
            for_attr = f' for="{escape(option_id)}"' if option_id else ""
            html.append(
                f"<div>\n    <label{for_attr}>{_input_html(option)}\n "
                f"{conditional_escape(option['label'])}</label></div>"
            )
        if group_name:
            html.append("\n  </div>")
    html.append("\n</div>")
    return "".join(html)


# (Django's widget template, its option template) -> the function writing the same markup.
_WIDGET_HTML = {
    ("django/forms/widgets/text.html", None): _input_html,
    ("django/forms/widgets/date.html", None): _input_html,
    ("django/forms/widgets/checkbox.html", None): _input_html,
    ("django/forms/widgets/select.html", "django/forms/widgets/select_option.html"): _select_html,
    (
        "django/forms/widgets/checkbox_select.html",
        "django/forms/widgets/checkbox_option.html",
    ): _choice_inputs_html,
}


class QuickBoundField(forms.BoundField):
    """A bound field whose widget (``{{ form.field }}``) is written in Python, as Django would."""

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        widget = widget or self.field.widget
        key = (widget.template_name, getattr(widget, "option_template_name", None))
        write = _WIDGET_HTML.get(key)
        if write is None or only_initial or self.field.localize:
            return super().as_widget(widget, attrs, only_initial)
        # As BoundField.as_widget() and Widget.render(), up to the template.
        attrs = self.build_widget_attrs(attrs or {}, widget)
        if self.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", self.auto_id)
        context = widget.get_context(self.html_name, self.value(), attrs)
        return mark_safe(write(context["widget"]))  # every value in it went through escape()


class QuickForm(forms.Form):
    """A form whose widgets and ``as_div()`` layout are written in Python, not through Django's
    form templates: the same markup (django/forms/div.html, field.html and the widgets').

    A form with hidden fields is laid out by Django; labels and error lists are always Django's.
    """

    bound_field_class = QuickBoundField

    def as_div(self) -> SafeString:
        fields = list(self)
        if any(field.is_hidden for field in fields):
            return super().as_div()
        errors = self.non_field_errors()
        html = [str(errors)] if errors else []
        html.extend(self._field_html(field) for field in fields)
        return mark_safe("\n".join(html))  # every part is escaped, or rendered by Django

    @staticmethod
    def _field_html(field: forms.BoundField) -> str:
        # As django/forms/div.html (one field) and django/forms/field.html.
        classes = field.css_classes()
        html = [f'<div class="{escape(classes)}">' if classes else "<div>"]
        if field.use_fieldset:
            described_by = field.aria_describedby
            html.append(
                f'<fieldset aria-describedby="{escape(described_by)}">'
                if described_by
                else "<fieldset>"
            )
            if field.label:
                html.append(field.legend_tag())
        elif field.label:
            html.append(field.label_tag())
        if field.help_text:
            id_attr = f' id="{escape(field.auto_id)}_helptext"' if field.auto_id else ""
            html.append(f'<div class="helptext"{id_attr}>{field.help_text}</div>')
        if field.errors:
            html.append(str(field.errors))
        html.append(str(field))
        if field.use_fieldset:
            html.append("</fieldset>")
        html.append("</div>")
        return "\n".join(html)
