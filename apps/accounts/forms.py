from django import forms

from .roles import Role


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class UserInviteForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=Role.choices)
